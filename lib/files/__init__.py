"""Files the product makes and reads: the quarterly workbook, the Excel blanks, the meeting pack, their shared
cell styles.
"""
